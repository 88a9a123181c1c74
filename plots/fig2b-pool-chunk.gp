# fig2b: time of square_map on 100 000 numbers vs chunk size (plots/run).
load "plots/style.gp"
f = "plots/data/pool-chunk.tsv"
stats f using (strcol(1) eq "1" ? $2 : NaN) name "ONE" nooutput
stats f using (strcol(1) eq "default" ? $2 : NaN) name "DEF" nooutput
set title sprintf("Send work in chunks: one number per message is %.0f× slower than the default", ONE_max / DEF_max) font ",20"
set xlabel "chunk size (-c), numbers per message"
set ylabel "seconds for 100 000 numbers"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set boxwidth 0.6
set grid noxtics
unset key
eval footer(f)
plot f using 0:2:xtic(1) with boxes lc rgb "#1f77b4", \
     "" using 0:2:(sprintf("%.3f s", $2)) with labels offset 0, 0.8 font ",16"
