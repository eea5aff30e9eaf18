// GraphiQL on this app's own copies of React and GraphiQL, pointed at /graphql.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: root.dataset.endpoint });
  var defaultQuery = [
    "# Who chaired the MIRPS Support Platform on 1 January 2022,",
    "# and what share of the RCM's budget does each member pay?",
    "{",
    '  chairs: forum(code: "MIRPS-SP") {',
    '    participants(asOf: "2022-01-01", role: [CHAIR]) { role start end actor { id name } }',
    "  }",
    '  rcm: forum(code: "RCM") {',
    "    fundingShareTotalPct",
    "    fundingShares { sharePct actor { name } citations { locator source { title publisher } } }",
    "  }",
    "}",
    "",
  ].join("\n");
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery })
  );
})();
