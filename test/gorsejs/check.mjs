// Drives shopmind's Gorse-compatible /api/ subset with the real npm gorsejs
// client, the way an existing Gorse application would, and checks what the
// client hands back.
//
//   node check.mjs BASE_URL [API_KEY]
//
// BASE_URL is the server root without /api (http://127.0.0.1:8080); without
// it GORSE_ENDPOINT is used. API_KEY is sent as X-API-Key; without it
// GORSE_SECRET is used, and with neither gorsejs sends "X-API-Key: undefined",
// exactly as an application that never set a secret does.
// GORSE_CHECK_WAIT (seconds, default 20) bounds how long answers that depend on
// the periodically trained models are polled for.
//
// Prints one line per check and exits 1 if any check failed.

import { Gorse, GorseException } from "gorsejs";

const endpoint = (process.argv[2] || process.env.GORSE_ENDPOINT || "").replace(/\/+$/, "");
const apiKey = process.argv[3] || process.env.GORSE_SECRET || undefined;
const waitMs = 1000 * Number(process.env.GORSE_CHECK_WAIT || 20);
if (!/^https?:\/\/[^/]+/.test(endpoint)) {
  console.error("usage: node check.mjs BASE_URL [API_KEY]   (BASE_URL such as http://127.0.0.1:8080, without /api)");
  process.exit(2);
}

const client = new Gorse({ endpoint, secret: apiKey });

// ---- reporting -------------------------------------------------------------

let passed = 0;
const failures = [];

function describe(err) {
  if (err instanceof GorseException) {
    let m = `gorsejs GorseException code=${err.code} message=${JSON.stringify(err.message)}`;
    if (err.message === "[object Object]") {
      m += " (the server sent a JSON error body; gorsejs turns it into [object Object], so send text/plain errors under /api/)";
    }
    if (err.code === -1) m += " (network error: is the server up at " + endpoint + "?)";
    return m;
  }
  return err && err.stack ? err.stack : String(err);
}

class Mismatch extends Error {}

function fail(msg) {
  throw new Mismatch(msg);
}

// check runs one named check; fn returns a short detail for the ok line.
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok   ${name}${detail ? ": " + detail : ""}`);
    return true;
  } catch (err) {
    const msg = err instanceof Mismatch ? err.message : describe(err);
    failures.push(name);
    console.log(`FAIL ${name}: ${msg}`);
    return false;
  }
}

// must runs a setup step; later checks are meaningless without it.
async function must(name, fn) {
  if (!(await check(name, fn))) finish();
}

function finish() {
  if (failures.length) {
    console.log(`gorsejs check: ${failures.length} of ${passed + failures.length} checks FAILED (${failures.join(", ")})`);
    process.exit(1);
  }
  console.log(`gorsejs check: all ${passed} checks passed against ${endpoint}`);
  process.exit(0);
}

// ---- helpers ---------------------------------------------------------------

const show = (v) => JSON.stringify(v);
const sameJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clip = (s) => (s.length > 400 ? s.slice(0, 400) + "…" : s);

// poll calls get until judge returns "" (good) or the deadline passes, and
// then fails with judge's last complaint. Errors from the client are never
// retried: a Gorse server answers these calls with 200 even before any
// model exists.
async function poll(deadline, get, judge) {
  for (let round = 1; ; round++) {
    const got = await get();
    const problem = judge(got);
    if (!problem) return { got, round };
    if (Date.now() >= deadline) {
      fail(`${problem}; still so when the ${waitMs / 1000} s wait ran out (${round} ${round === 1 ? "try" : "tries"}; last answer ${clip(show(got))})`);
    }
    await sleep(300);
  }
}

function expectRowAffected(got, want, what) {
  if (got !== want) fail(`${what} returned RowAffected ${show(got)}, want ${want} (response body must be {"RowAffected":${want}})`);
}

async function expect404(what, call) {
  try {
    const got = await call();
    fail(`${what} succeeded with ${clip(show(got))}, want GorseException code 404`);
  } catch (err) {
    if (err instanceof Mismatch) throw err;
    if (!(err instanceof GorseException) || err.code !== 404) {
      fail(`${what}: want GorseException code 404, got ${describe(err)}`);
    }
  }
}

// Score lists (popular, neighbours): [{Id, Score}] sorted best first.
function judgeScores(list, allowed) {
  if (!Array.isArray(list)) return `answer is not an array`;
  if (list.length === 0) return `answer is empty`;
  for (const [i, s] of list.entries()) {
    if (!s || typeof s !== "object" || typeof s.Id !== "string" || typeof s.Score !== "number" || !Number.isFinite(s.Score)) {
      return `element ${i} is ${show(s)}, want {"Id": string, "Score": number}`;
    }
    if (i > 0 && s.Score > list[i - 1].Score) return `not sorted by Score descending at element ${i}`;
    if (allowed && !allowed.has(s.Id)) return `element ${i} has Id ${show(s.Id)}, which is not an item this check inserted`;
  }
  if (new Set(list.map((s) => s.Id)).size !== list.length) return `an Id appears twice`;
  return "";
}

// Recommendations: a plain array of item id strings.
function judgeIds(list, { known, exclude = new Set(), category, max } = {}) {
  if (!Array.isArray(list)) return `answer is not an array`;
  if (list.length === 0) return `answer is empty`;
  for (const [i, id] of list.entries()) {
    if (typeof id !== "string") return `element ${i} is ${show(id)}, want an item id string (getRecommend answers string[], not Score objects)`;
  }
  if (new Set(list).size !== list.length) return `an item id appears twice`;
  if (max !== undefined && list.length > max) return `${list.length} items for n=${max}`;
  const seen = list.filter((id) => exclude.has(id));
  if (seen.length) return `recommends ${show(seen)}, which the user already has feedback for (or which were deleted)`;
  if (known) {
    const foreign = list.filter((id) => !known.has(id));
    if (foreign.length) return `recommends ${show(foreign)}, which this check never inserted`;
  }
  if (category) {
    const off = list.filter((id) => !category.items.has(id));
    if (off.length) return `items ${show(off)} are not in category ${show(category.name)}`;
  }
  return "";
}

// ---- the data --------------------------------------------------------------

// A fresh prefix keeps reruns against the same server apart.
const run = "gc" + Date.now().toString(36);
const now = Date.now();
const hoursAgo = (h) => new Date(now - h * 3600e3);
const rfc3339 = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

const categories = ["books", "music", "games"];
const items = [];
for (let n = 1; n <= 30; n++) {
  const cat = categories[Math.floor((n - 1) / 10)];
  const id = `${run}:${cat}-${String(n).padStart(2, "0")}`;
  items.push({
    ItemId: id,
    IsHidden: false,
    Categories: n === 10 ? ["books", "music"] : [cat],
    Timestamp: rfc3339(hoursAgo(200 - n)),
    Labels: [`shelf-${n % 4}`, `lang-${n % 2 ? "en" : "zh"}`],
    Comment: `item ${n} of the gorsejs check`,
  });
}
const item = (n) => items[n - 1];
const allItems = new Set(items.map((it) => it.ItemId));
const inCategory = (c) => ({ name: c, items: new Set(items.filter((it) => it.Categories.includes(c)).map((it) => it.ItemId)) });

const users = [1, 2, 3].map((n) => ({
  UserId: `${run}-user-${n}`,
  Labels: [`segment-${n}`, n === 1 ? "vip" : "regular"],
  Comment: `user ${n} of the gorsejs check`,
}));
const newcomer = { UserId: `${run}-newcomer`, Labels: ["new"], Comment: "inserted, no feedback" };
const stranger = `${run}-never-seen`;

// Overlapping histories, so every pair of items in the middle co-occurs:
// user 1 reads books 1-12, user 2 books 1-8 and 13-16, user 3 items 5-10 and 20-24.
const histories = {
  [users[0].UserId]: range(1, 12),
  [users[1].UserId]: [...range(1, 8), ...range(13, 16)],
  [users[2].UserId]: [...range(5, 10), ...range(20, 24)],
};
function range(a, b) {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
const yesterday = new Date(now - 86400e3).toISOString().slice(0, 10);
const feedbacks = [];
for (const [u, ns] of Object.entries(histories)) {
  ns.forEach((n, k) => {
    // Three timestamp styles Gorse clients send: a Date (JSON gives
    // milliseconds), RFC 3339, and a bare date as in the gorsejs README.
    const ts = [hoursAgo(30 - k), rfc3339(hoursAgo(30 - k)), yesterday][k % 3];
    feedbacks.push({ FeedbackType: "read", UserId: u, ItemId: item(n).ItemId, Timestamp: ts });
    if (n % 2 === 1) feedbacks.push({ FeedbackType: "like", UserId: u, ItemId: item(n).ItemId, Timestamp: ts });
  });
}
const historyOf = (u) => new Set(histories[u].map((n) => item(n).ItemId));

// ---- the checks ------------------------------------------------------------

console.log(`gorsejs check against ${endpoint} (${apiKey ? "X-API-Key set" : 'no key: gorsejs sends "X-API-Key: undefined"'}), run ${run}`);

if (apiKey) {
  await check("wrong X-API-Key is refused with 401", async () => {
    const wrong = new Gorse({ endpoint, secret: apiKey + "-wrong" });
    try {
      const got = await wrong.getPopular({});
      fail(`getPopular with a wrong key answered ${clip(show(got))}`);
    } catch (err) {
      if (err instanceof Mismatch) throw err;
      if (!(err instanceof GorseException) || err.code !== 401) fail(`want GorseException code 401, got ${describe(err)}`);
    }
    return "GorseException 401";
  });
}

await must("insertUser x3 (POST /api/user)", async () => {
  for (const u of users) expectRowAffected(await client.insertUser(u), 1, `insertUser(${u.UserId})`);
  return `${users.length} users, RowAffected 1 each`;
});

await must("insertUser newcomer without feedback", async () => {
  expectRowAffected(await client.insertUser(newcomer), 1, "insertUser(newcomer)");
  return newcomer.UserId;
});

await must("upsertItem (POST /api/item)", async () => {
  expectRowAffected(await client.upsertItem(item(1)), 1, "upsertItem");
  return item(1).ItemId;
});

await must("upsertItems (POST /api/items)", async () => {
  const rest = items.slice(1);
  expectRowAffected(await client.upsertItems(rest), rest.length, "upsertItems");
  return `${rest.length} items in ${categories.join("/")}, one in two categories`;
});

await must("insertFeedbacks (POST /api/feedback)", async () => {
  expectRowAffected(await client.insertFeedbacks(feedbacks), feedbacks.length, "insertFeedbacks");
  return `${feedbacks.length} read/like feedbacks from 3 users, RowAffected ${feedbacks.length}`;
});
const modelDeadline = Date.now() + waitMs;

await check("getUser round-trips the user", async () => {
  const got = await client.getUser(users[0].UserId);
  for (const f of ["UserId", "Labels", "Comment"]) {
    if (!sameJSON(got?.[f], users[0][f])) fail(`${f} is ${show(got?.[f])}, want ${show(users[0][f])} (whole answer ${show(got)})`);
  }
  return show(got);
});

await check("getItem round-trips the item", async () => {
  const want = item(10);
  const got = await client.getItem(want.ItemId);
  for (const f of ["ItemId", "IsHidden", "Categories", "Labels", "Comment", "Timestamp"]) {
    if (!sameJSON(got?.[f], want[f])) fail(`${f} is ${show(got?.[f])}, want ${show(want[f])} (whole answer ${show(got)})`);
  }
  return show(got);
});

await check("getUser of an unknown user is 404", async () => {
  await expect404("getUser(unknown)", () => client.getUser(`${run}-nobody`));
  return "GorseException 404";
});

const u1 = users[0].UserId;
await check("getRecommend for a user with history", async () => {
  const { got, round } = await poll(modelDeadline, () => client.getRecommend({ userId: u1 }), (l) =>
    judgeIds(l, { known: allItems, exclude: historyOf(u1) }),
  );
  return `${got.length} items after ${round} tries: ${show(got.slice(0, 5))}${got.length > 5 ? "…" : ""}`;
});

await check("getRecommend honours n", async () => {
  const got = await client.getRecommend({ userId: u1, cursorOptions: { n: 3 } });
  const problem = judgeIds(got, { known: allItems, exclude: historyOf(u1), max: 3 });
  if (problem) fail(problem);
  return show(got);
});

await check("getRecommend in a category (GET /api/recommend/{user}/games)", async () => {
  const games = inCategory("games");
  const { got } = await poll(modelDeadline, () => client.getRecommend({ userId: u1, category: "games" }), (l) =>
    judgeIds(l, { known: allItems, exclude: historyOf(u1), category: games }),
  );
  return show(got.slice(0, 5));
});

await check("getRecommend for an inserted user without feedback", async () => {
  const { got } = await poll(modelDeadline, () => client.getRecommend({ userId: newcomer.UserId }), (l) =>
    judgeIds(l, { known: allItems }),
  );
  return `${got.length} items: ${show(got.slice(0, 5))}${got.length > 5 ? "…" : ""}`;
});

await check("getRecommend for a never-seen user id", async () => {
  const { got } = await poll(modelDeadline, () => client.getRecommend({ userId: stranger }), (l) => judgeIds(l, { known: allItems }));
  return `${got.length} items`;
});

const probe = item(6).ItemId; // read by all three users
await check("getItemNeighbors (GET /api/item/{id}/neighbors/)", async () => {
  const { got } = await poll(modelDeadline, () => client.getItemNeighbors({ itemId: probe }), (l) => {
    const p = judgeScores(l, allItems);
    if (p) return p;
    if (l.some((s) => s.Id === probe)) return `the item is listed as its own neighbour`;
    return "";
  });
  return `${got.length} neighbours of ${probe}, best ${show(got[0])}`;
});

await check("getPopular (GET /api/popular/)", async () => {
  const { got } = await poll(modelDeadline, () => client.getPopular({ cursorOptions: { n: 100 } }), (l) => {
    const p = judgeScores(l);
    if (p) return p;
    if (!l.some((s) => allItems.has(s.Id))) return `none of the items this check inserted is popular`;
    return "";
  });
  return `${got.length} items, top ${show(got[0])}`;
});

// Deletions last: they change what the lists above may contain.
await check("deleteItem, then getItem is 404", async () => {
  expectRowAffected(await client.deleteItem(probe), 1, "deleteItem");
  await expect404("getItem after deleteItem", () => client.getItem(probe));
  return `${probe} deleted`;
});

await check("a deleted item leaves popular, recommend and neighbours", async () => {
  const gone = new Set([probe]);
  const deadline = Date.now() + waitMs;
  await poll(deadline, () => client.getPopular({ cursorOptions: { n: 100 } }), (l) =>
    Array.isArray(l) && l.some((s) => s && s.Id === probe) ? `getPopular still lists ${probe}` : "",
  );
  await poll(deadline, () => client.getRecommend({ userId: stranger, cursorOptions: { n: 30 } }), (l) =>
    Array.isArray(l) && l.includes(probe) ? `getRecommend(${stranger}) still lists ${probe}` : "",
  );
  await poll(deadline, () => client.getItemNeighbors({ itemId: item(5).ItemId }), (l) =>
    Array.isArray(l) && l.some((s) => s && gone.has(s.Id)) ? `getItemNeighbors(${item(5).ItemId}) still lists ${probe}` : "",
  );
  return "gone from all three";
});

await check("deleteUser, then getUser is 404", async () => {
  const u3 = users[2].UserId;
  expectRowAffected(await client.deleteUser(u3), 1, "deleteUser");
  await expect404("getUser after deleteUser", () => client.getUser(u3));
  return `${u3} deleted`;
});

finish();
