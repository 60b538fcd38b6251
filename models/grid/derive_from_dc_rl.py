"""Cuts one month of a balancing authority's hourly carbon-intensity file from HewlettPackard/dc-rl.

Source: https://github.com/HewlettPackard/dc-rl, data/CarbonIntensity/<BA>_NG_&_avgCI.csv at commit
a92b4755aca560e34a98d14028dda629eb968482 (MIT, see LICENSE-dc-rl.txt). Those files hold the hourly generation
by fuel of one US balancing authority from the EIA Hourly Electric Grid Monitor (Form EIA-930, public domain)
for 2022, and HPE's average carbon intensity of that mix (avg_CI, gCO2e/kWh).

Usage: python3 derive_from_dc_rl.py UPSTREAM_CSV YYYY-MM > OUT.csv
Keeps the header and every row whose timestamp starts with YYYY-MM; rounds avg_CI to 0.01 g/kWh.
"""
import csv
import sys


def main() -> None:
    path, month = sys.argv[1], sys.argv[2]
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    header = rows[0]
    ci = header.index('avg_CI')
    out = csv.writer(sys.stdout, lineterminator='\n')
    out.writerow(header)
    for row in rows[1:]:
        if not row[0].startswith(month):
            continue
        row = [c[:-2] if c.endswith('.0') else c for c in row]
        # An empty avg_CI is a gap in the upstream data: kept empty (joulesim fills or rejects it).
        row[ci] = f'{float(row[ci]):.2f}' if row[ci] else ''
        out.writerow(row)


if __name__ == '__main__':
    main()
