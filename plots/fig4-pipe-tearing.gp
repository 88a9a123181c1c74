# fig4: fraction of torn messages in one pipe shared by 4 writers vs message size (plots/run).
load "plots/style.gp"
f = "plots/data/pipe.tsv"
sel(s) = strcol(2) eq s ? column(3) : NaN
set title "Pipe writes up to PIPE_BUF (4096 B) stay whole; larger ones from 4 writers tear" font ",20" noenhanced
set logscale x 2
set xrange [48:180000]
set xtics ("64" 64, "256" 256, "1 KiB" 1024, "4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536)
set xlabel "message size (bytes, log scale)"
set ylabel "torn messages (% of sent)"
set yrange [-2:105]
set format y "%.0f%%"
set arrow 1 from 4096, graph 0 to 4096, graph 1 nohead ls 9
set label 1 "PIPE_BUF = 4096" at 4096, graph 0.92 right offset -0.6, 0 font ",15" noenhanced
set key at graph 0.02, graph 0.72 left top font ",17"
eval footer(f)
plot f using 1:(100 * sel("1.5xpow2")) with linespoints ls 2 title "1.5 × 2^k bytes", \
     "" using 1:(100 * sel("pow2")) with linespoints ls 1 title "2^k bytes: whole up to 64 KiB by luck"
