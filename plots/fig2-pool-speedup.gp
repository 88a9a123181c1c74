# fig2: speedup of square_map -r (CPU-heavy items) vs pool size (plots/run).
load "plots/style.gp"
f = "plots/data/pool-speedup.tsv"
n = ncpu(f)
stats f using 3 nooutput
set title sprintf("A process pool speeds up CPU-heavy work until the CPUs run out: best %.1f× on %d CPUs", STATS_max, n) font ",20"
set xlabel "workers (processes in the pool)"
set ylabel "speedup over 1 worker (×)"
set xrange [1:8]
set yrange [0:8.5]
set xtics 1
set arrow 1 from n, graph 0 to n, graph 1 nohead ls 9
set label 1 sprintf("%d CPUs", n) at n, graph 0.92 offset 0.6, 0 font ",15"
set key top left
eval footer(f)
plot x with lines ls 9 title "ideal: one CPU per worker", \
     (x < n ? x : n) with lines lc rgb "#999999" lw 3 title sprintf("best possible on %d CPUs", n), \
     f using 1:3 with linespoints ls 1 title "square_map -r (64 heavy items)" noenhanced
