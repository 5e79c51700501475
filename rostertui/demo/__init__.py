"""The demo municipality, Sjöstads kommun, written as a OneRoster 1.1 bulk CSV bundle.

Why it exists: the console only convinces on data that looks like a real night — thousands of
ordinary, clean pupils and teachers and a handful of the faults support really sees — and the
benchmark needs the same shape at 100 000 people. So the generator streams rows straight to the
CSV files (only per-class numbers stay in memory) and plants a fixed set of faults that does not
grow with the population: "12 problems among 100 000 people" is the realistic picture.

Names and ids depend only on (seed, people). The as-of date moves dates, and the registry's
calendar adds what really happens between two days (every week a pupil moves away and one joins,
every other week a pupil leaves a group, new teaching groups appear on fixed dates), so bundles
for consecutive nights diff to exactly those events and nothing else. Every planted fault is
recorded in `DemoBundle.planted` under its catalogue code, so tests and the demo script can check
that the engine finds exactly what was put there.

`write_demo_month` writes a month of nights with that calendar plus the undated events a support
desk meets: a teacher changes name, a pupil is re-registered under a new id, two e-mail faults
get fixed, class 9B loses its "Till LMS" tick for a week, and one night's export is truncated.
The rows are generated once, as a superset of every night, and each night is a view of them
(`View`), so a month costs little more than writing its files. `write_demo_bundle` streams the
same rows through the last night's view: it is always the month's last night, so Anna Svensson's
class 9B is unticked again there and "why is Anna missing?" keeps its answer.

The package, by job: `calendar` (the school year and its dates), `ids` (names, sourcedIds,
personnummer), `files` (the bundle's formats and CSV sinks), `plan` (schools, classes, head
counts), `faults` (the planted faults), `events` (the month's cast and one night's view of the
rows), `rows` (the row writer's registers), `bundle` (writing the rows; `write_demo_bundle`),
`month` (`write_demo_month`). Importers use only the names below.
"""

from rostertui.demo.bundle import DemoBundle, write_demo_bundle
from rostertui.demo.month import DemoNight, write_demo_month
from rostertui.demo.plan import MIN_PEOPLE

__all__ = ["MIN_PEOPLE", "DemoBundle", "DemoNight", "write_demo_bundle", "write_demo_month"]
