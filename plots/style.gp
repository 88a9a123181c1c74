# The figures' shared style (loaded by every plots/NAME.gp; the terminal comes from plots/run).
set datafile separator "\t"
set grid lc rgb "#d0d0d0"
set key autotitle columnhead
set key top left opaque box lc rgb "#bbbbbb"
set tics nomirror
set bmargin 4.5
set style line 1 lc rgb "#1f77b4" pt 7 ps 1.6 lw 2
set style line 2 lc rgb "#d62728" pt 5 ps 1.6 lw 2
set style line 3 lc rgb "#2ca02c" pt 9 ps 1.8 lw 2
set style line 4 lc rgb "#ff7f0e" pt 11 ps 1.8 lw 2
set style line 5 lc rgb "#9467bd" pt 13 ps 1.8 lw 2
set style line 9 lc rgb "#555555" dt 2 lw 1.5
set style fill solid 0.8 border lc rgb "#333333"
# The machine a tsv was measured on (its first line), shown small in a corner.
machine(f) = system("sed -n '1s/^# machine: //p' ".f)
ncpu(f) = int(word(machine(f), 1))
footer(f) = sprintf("set label 100 'measured on %s' at screen 0.995, screen 0.02 right font ',13' tc rgb '#666666' noenhanced", machine(f))
