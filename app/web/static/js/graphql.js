// A small client of the public GraphQL API at /graphql: the same requests a partner
// would send. Every failure becomes an ApiError with a kind a page can explain.
export const ENDPOINT = "/graphql";
// The data version an answer shows, and the one a request asks to read (the API's own
// header, the same on REST and GraphQL).
export const VERSION_HEADER = "Migov-Data-Version";
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  /** kind: "unreachable", "timeout", "http", "problem" (an RFC 9457 problem document,
   * its detail as the message), "graphql" or "bad-response". */
  constructor(kind, message, code = null) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

function versionOf(response) {
  const text = (response.headers.get(VERSION_HEADER) || "").trim();
  return /^[0-9]+$/.test(text) ? Number(text) : null;
}

/**
 * One GraphQL request: {data, version}, version being the data version the answer shows
 * (its Migov-Data-Version header; null if it names none). With ``version``, the whole
 * document reads that data version.
 */
export async function gqlAnswer(query, variables = {}, { version = null } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (version !== null && version !== undefined) headers[VERSION_HEADER] = String(version);
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
  } catch (error) {
    throw new ApiError(controller.signal.aborted ? "timeout" : "unreachable", String(error.message || error));
  } finally {
    clearTimeout(timer);
  }
  let body;
  try {
    body = await response.json();
  } catch (_) {
    throw new ApiError(response.ok ? "bad-response" : "http", `HTTP ${response.status}`);
  }
  // A request refused before GraphQL ran (a data version that cannot be read, a body
  // too large...) is answered with a problem document: its detail says why.
  if (!response.ok && body && typeof body.detail === "string" && body.detail) {
    throw new ApiError("problem", body.detail, typeof body.code === "string" ? body.code : null);
  }
  if (body && Array.isArray(body.errors) && body.errors.length) {
    const first = body.errors[0];
    const code = (first.extensions && first.extensions.code) || null;
    throw new ApiError("graphql", body.errors.map((e) => e.message).join("; "), code);
  }
  if (!response.ok || !body || typeof body.data !== "object" || body.data === null) {
    throw new ApiError("http", `HTTP ${response.status}`);
  }
  return { data: body.data, version: versionOf(response) };
}

export async function gql(query, variables = {}, options = {}) {
  return (await gqlAnswer(query, variables, options)).data;
}

/** Every node of a connection, page after page; ``run`` sends each page's request. */
export async function allNodes(query, variables, pick, run = gql) {
  const nodes = [];
  let after = null;
  for (let page = 0; page < 50; page += 1) {
    const data = await run(query, { ...variables, after });
    const connection = pick(data);
    for (const edge of connection.edges) nodes.push(edge.node);
    if (!connection.pageInfo.hasNextPage) return { data, nodes };
    after = connection.pageInfo.endCursor;
  }
  throw new ApiError("bad-response", "too many pages");
}
