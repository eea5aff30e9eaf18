// PostGraphile v5 over the benchmark database, as `make bench` runs it (bench/peer.py):
// one process, production mode, no GraphiQL, no explain, no watch.
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  // The default preset orders and filters only by indexed columns; migov's reads order
  // by the announcement date and filter participations by their bounds.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
    }),
  ],
  schema: {
    // migov's newest first: undated pledges last (ORDER BY ... DESC NULLS LAST).
    pgOrderByNullsLast: true,
    connectionFilterAllowedOperators: [
      "isNull",
      "equalTo",
      "lessThan",
      "lessThanOrEqualTo",
      "greaterThan",
      "greaterThanOrEqualTo",
    ],
    connectionFilterComputedColumns: false,
    connectionFilterSetofFunctions: false,
  },
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 8312),
    graphiql: false,
    watch: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
