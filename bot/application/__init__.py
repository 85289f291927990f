"""Application services: one function per action that several entry points perform.

The staff chat, the `liaison` CLI, the clocks (and a web console) call these; each applies the
rules of its action once (capacity, eligibility, who is told) and records and notifies in the
caller's transaction. Entry points only parse, call, and present the result.
"""
