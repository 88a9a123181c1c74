# fig7: CPython threading/multiprocessing (plots/pybench.py) next to the C model (gil -g).
load "plots/style.gp"
f = "plots/data/python.tsv"
sel(i, k, x) = (strcol(1) eq i && strcol(2) eq k && strcol(3) eq x) ? column(6) : NaN
py = system("python3 -V 2>&1")
set logscale x 2
set xtics (1, 2, 4)
set xrange [0.9:4.4]
set xlabel "workers"
set ylabel "speedup over 1 worker (×)"
set yrange [0:4.5]
set key top left
eval footer(f)
set multiplot layout 1, 2 title "Real CPython matches the C model: CPU-bound threads stay near 1×" font ",20"
do for [impl in "python C"] {
  set title (impl eq "python" ? py." threading / multiprocessing" : "C model: gil -g")
  plot f using 4:(sel(impl, "cpu", "threads")) with linespoints ls 2 title "CPU, threads", \
       "" using 4:(sel(impl, "cpu", "processes")) with linespoints ls 1 title "CPU, processes", \
       "" using 4:(sel(impl, "io", "threads")) with linespoints ls 4 dt 2 title "I/O, threads", \
       "" using 4:(sel(impl, "io", "processes")) with linespoints ls 3 dt 2 title "I/O, processes"
  unset label 100
}
unset multiplot
