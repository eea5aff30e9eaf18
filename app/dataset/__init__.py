"""The curated-data pipeline: the files under ``data/``, from YAML to database rows.

``read`` parses each file (its format: ``files``, ``programme_files``, ``base``);
``check`` judges them together (with ``time_checks``, ``bounds``, ``citations``,
``passages``, ``terms``), without a database; ``load`` syncs the checked files into
the database, matching rows by the natural keys of ``keys`` through the machinery of
``sync``. Only the CLI (``migov data validate|load``) and the tests use it: the
request services never do.
"""
