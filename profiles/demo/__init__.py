"""The demo population: a deterministic synthetic registry for development, demos and benchmarks.

Pure generation (no database):

* `world`: the frozen demo date, the agency systems, opaque record ids and collision-free numbers;
* `names_data`, `places`: names per country, regions, checkpoints, employers' vocabulary;
* `translit`: how each issuing country and each Russian system writes a name in Latin letters;
* `generator`: (seed, person index) -> `bundle.PersonBundle`, the true person, their profiles, the
  records every agency sent (each knowing its true person) and the facts those records state;
  `history` (trips, registrations, permits, payments, contracts) and `records` (one payload format
  per agency system) are the two halves of its person builder; `noise` and `draws` serve both;
* `organizations`: universities and employers with valid INN and OGRN.

Writing (`manage.py seed_demo`): `writer` (chunks, resume, COPY, parallel `workers`), `rows` (the
database rows of a chunk) and `accounts` (development logins). `bench/seed_bench.py` measures it.
"""
