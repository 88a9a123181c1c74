# fig6: the class's scores and full-mark rate per chapter, from GRADEBOOK (plots/run).
load "plots/style.gp"
h = "plots/data/class-hist.tsv"
c = "plots/data/class-chapters.tsv"
src = system("cat plots/data/class-source.txt 2>/dev/null")
stats h using 2 nooutput
students = STATS_sum
worst = system("awk 'NR > 2 && (w == \"\" || $2 < m) { m = $2; w = $1 } END { printf \"%s (%.0f%%)\", w, 100 * m }' ".c)
set multiplot layout 1, 2 title sprintf("%s, %d students: fewest full marks in %s", src, students, worst) font ",20" noenhanced
set title "total score"
set xlabel "total (% of the maximum)"
set ylabel "students"
set xrange [-5:105]
set xtics 0, 20, 100
set yrange [0:*]
set boxwidth 9
set grid noxtics
unset key
plot h using ($1 + 5):2 with boxes lc rgb "#1f77b4"
set title "chapters passed with full marks"
set xlabel ""
set ylabel "students with full marks (%)"
set xrange [*:*]
set yrange [0:105]
set xtics rotate by -40 font ",14" noenhanced
set boxwidth 0.6
set bmargin 7
plot c using 0:(100 * $2):xtic(1) with boxes lc rgb "#2ca02c"
unset multiplot
