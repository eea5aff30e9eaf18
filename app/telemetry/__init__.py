"""What an operator reads of a running migov: its log lines (``logs``) and its
Prometheus series (``metrics``). The HTTP layer's ``http.metrics`` middleware and
the REST ``/metrics`` route feed and serve these series."""
