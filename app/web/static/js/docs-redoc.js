// ReDoc on this app's own copy of the standalone bundle.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, { hideDownloadButton: false, disableSearch: false }, root);
})();
