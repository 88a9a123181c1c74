# fig5: cost of starting (and waiting for) a thread or a process, and fork vs parent memory.
load "plots/style.gp"
f = "plots/data/spawn.tsv"
g = "plots/data/spawn-memory.tsv"
sel(m) = strcol(2) eq m ? column(3) : NaN
eval footer(f)
set multiplot layout 1, 2 title "Threads start cheapest; fork slows down as the parent's memory grows" font ",20"
set title "one spawn + wait, small parent"
set ylabel "µs per spawn + wait"
set yrange [0:*]
set boxwidth 0.6
set grid noxtics
unset key
set xtics noenhanced font ",16"
plot f using 0:2:xtic(1) with boxes lc rgb "#1f77b4", \
     "" using 0:2:(sprintf("%.0f", $2)) with labels offset 0, 0.8 font ",16"
unset label 100
set title "parent memory touched first (-m)"
set offsets 0, 0, graph 0.3, 0
set xlabel "parent memory (MB)"
set ylabel "µs per spawn + wait"
set grid xtics
set xtics font ",20"
set key top left
set xrange [-20:*]
plot for [m in "fork vfork posix_spawn"] g using 1:(sel(m)) with linespoints ls (m eq "fork" ? 2 : m eq "vfork" ? 3 : 1) title m noenhanced
unset multiplot
