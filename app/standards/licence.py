"""The terms the code and the data are offered under, stated once for every place that shows them.

The code is MIT (LICENSE). The data (the curated facts, their citations and the
descriptions written for this service, and everything partners submit through the
API) is offered under Creative Commons Attribution 4.0 International:

* it lets anyone copy, merge and republish the data, commercially or not, which is
  what an open reference dataset is for; a non-commercial or no-derivatives clause
  would bar the very aggregators and newsrooms that re-use such data;
* its one condition, attribution, is the habit the dataset is built on: every fact
  already names its source, and CC BY asks re-users to keep naming theirs;
* it is the licence most open-data portals default to (HDX, the World Bank's
  catalogue, data.europa.eu), so the data combines with theirs without friction.
  CC0 would drop the attribution that carries the provenance.

The licence covers this compilation and the text written for it. The documents the
facts come from keep their own terms (``source.terms``; "not stated" where the
document states none); the dataset never copies their text.
"""

from __future__ import annotations

DATA_LICENCE_ID = "CC-BY-4.0"
DATA_LICENCE_NAME = "Creative Commons Attribution 4.0 International"
DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_REASON = (
    "Anyone may copy, merge and republish the data, commercially or not, on the one "
    "condition the dataset itself keeps: say where it came from. Each source document "
    "keeps its own terms (see each source's `terms`)."
)
DATA_ATTRIBUTION = "migov, regional migration-governance data (CC BY 4.0)"
