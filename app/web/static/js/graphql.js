// A small client of the public GraphQL API at /graphql: the same requests a partner
// would send. Every failure becomes an ApiError with a kind a page can explain.
export const ENDPOINT = "/graphql";
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  /** kind: "unreachable", "timeout", "http", "graphql" or "bad-response". */
  constructor(kind, message, code = null) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

export async function gql(query, variables = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
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
  if (body && Array.isArray(body.errors) && body.errors.length) {
    const first = body.errors[0];
    const code = (first.extensions && first.extensions.code) || null;
    throw new ApiError("graphql", body.errors.map((e) => e.message).join("; "), code);
  }
  if (!response.ok || !body || typeof body.data !== "object" || body.data === null) {
    throw new ApiError("http", `HTTP ${response.status}`);
  }
  return body.data;
}

/** Every node of a connection, page after page. */
export async function allNodes(query, variables, pick) {
  const nodes = [];
  let after = null;
  for (let page = 0; page < 50; page += 1) {
    const data = await gql(query, { ...variables, after });
    const connection = pick(data);
    for (const edge of connection.edges) nodes.push(edge.node);
    if (!connection.pageInfo.hasNextPage) return { data, nodes };
    after = connection.pageInfo.endCursor;
  }
  throw new ApiError("bad-response", "too many pages");
}
