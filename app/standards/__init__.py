"""Outside standards migov follows, as code: ISO 3166 country codes and names
(``iso``) and the licences of the data and the code (``licence``)."""
