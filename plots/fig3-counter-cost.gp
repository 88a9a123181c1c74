# fig3: ns per increment of counter for each mode vs workers (plots/run).
load "plots/style.gp"
f = "plots/data/counter.tsv"
modes = "racy mutex spin atomic sharded"
sel(x, m) = (strcol(1) eq x && strcol(2) eq m) ? column(4) : NaN
set logscale x 2
set xtics (1, 2, 4, 8)
set xlabel "workers"
set ylabel "ns per increment"
set xrange [0.85:9.5]
set yrange [0:*]
set offsets 0, 0, graph 0.8, 0
set key maxrows 3
set key top left
eval footer(f)
set multiplot layout 1, 2 title "A shared counter has a price: a mutex costs most per increment, per-worker slots least" font ",20"
do for [ex in "threads processes"] {
  set title ex
  plot for [i = 1:5] f using 3:(sel(ex, word(modes, i))) with linespoints ls i title word(modes, i)
  unset label 100
}
unset multiplot
