# fig1: function calls per second of gil, threads vs processes, cpu vs io (plots/run).
load "plots/style.gp"
f = "plots/data/gil.tsv"
n = ncpu(f)
sel(k, s) = (strcol(1) eq k && strcol(2) eq s) ? column(4) : NaN
set logscale x 2
set xtics (1, 2, 4, 8, 16)
set xlabel "workers"
set ylabel "function calls per second"
set format y "%.0s%c"
stats f using 3 nooutput
set xrange [0.85:STATS_max * 1.2]
set yrange [0:*]
set offsets 0, 0, graph 0.35, 0
set arrow 1 from n, graph 0 to n, graph 1 nohead ls 9
set label 1 sprintf("%d CPUs", n) at n, graph 0.5 offset 0.6, 0 font ",15"
eval footer(f)
set multiplot layout 1, 2 title "With the GIL, CPU-bound threads do not scale; processes and I/O-bound threads do" font ",20"
set title "CPU-bound: a 10 µs busy loop"
plot f using 3:(sel("cpu", "threads-gil")) with linespoints ls 2 title "threads, GIL", \
     "" using 3:(sel("cpu", "processes-gil")) with linespoints ls 1 title "processes", \
     "" using 3:(sel("cpu", "threads-nogil")) with linespoints ls 3 dt 3 title "threads, no GIL"
unset label 100
set title "I/O-bound: a 1 ms sleep"
plot f using 3:(sel("io", "threads-gil")) with linespoints ls 2 title "threads, GIL", \
     "" using 3:(sel("io", "processes-gil")) with linespoints ls 1 title "processes", \
     "" using 3:(sel("io", "threads-nogil")) with linespoints ls 3 dt 3 title "threads, no GIL"
unset multiplot
