"""`assistant bench`: build time, answer latency, load, memory and the textbook baseline, in one run.

`run` measures (see its docstring for the phases and method), `report` writes eval/reports/bench.md
and bench.json and says which targets were met. Servers run on 127.0.0.1 only (`procs`), and the load
generator refuses any other address (`load`).
"""
