"""Balanced, fair selection of participants and speakers (R10).

`pool` holds applicants and quotas, `feasibility` explains impossible quotas,
`leximin` computes the fairest lottery (Flanigan et al., Nature 2021) on HiGHS,
`maximin` and `greedy` are the comparisons, `report` makes the transparency report.
"""
