#!/usr/bin/env python3
"""The seed benchmark in real Python: count calls of a work function.

pybench.py -k cpu|io -x threads|processes -w WORKERS -d SECONDS
cpu = a pure-Python loop of about 10 us (holds the GIL); io = time.sleep(0.001)
(drops it). Each worker calls it in a loop for SECONDS. Prints `calls = N`
like the C program gil.
"""
import argparse
import multiprocessing as mp
import threading
import time

LOOPS = 250  # about 10 us of pure-Python work on a 2020s CPU


def cpu():
    x = 0
    for i in range(LOOPS):
        x += i
    return x


def io():
    time.sleep(0.001)


def worker(kind, seconds, counts, slot):
    work = cpu if kind == "cpu" else io
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        work()
        n += 1
    counts[slot] = n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-k", choices=["cpu", "io"], default="cpu")
    p.add_argument("-x", choices=["threads", "processes"], default="threads")
    p.add_argument("-w", type=int, default=4)
    p.add_argument("-d", type=float, default=1.0)
    a = p.parse_args()
    if a.x == "threads":
        counts = [0] * a.w
        run = threading.Thread
    else:
        counts = mp.get_context("fork").Array("q", a.w, lock=False)
        run = mp.get_context("fork").Process
    jobs = [run(target=worker, args=(a.k, a.d, counts, i)) for i in range(a.w)]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    print("calls = %d (per worker: %s)" % (sum(counts), " ".join(map(str, counts))))


if __name__ == "__main__":
    main()
