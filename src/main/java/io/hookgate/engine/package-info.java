/**
 * The delivery engine: it takes a delivery from the moment its event is stored to its last attempt.
 * Dispatchers ({@link io.hookgate.engine.Dispatcher}, one per event loop, on every node) attempt jobs;
 * the scheduler ({@link io.hookgate.engine.Scheduler}) claims deliveries that are due; the result writer
 * ({@link io.hookgate.engine.ResultWriter}) records what happened; the fan-out ledger
 * ({@link io.hookgate.engine.FanoutLedger}) answers for deliveries that have no row yet. The engine owns
 * the tables of the delivery history, one class each: {@code events} with their fan-out
 * ({@link io.hookgate.engine.EventStore}), {@code deliveries} ({@link io.hookgate.engine.DeliveryStore}),
 * {@code attempts} ({@link io.hookgate.engine.AttemptStore}), the hourly roll-up
 * ({@link io.hookgate.engine.StatsStore}) and the ledger's {@code ingest_nodes}.
 *
 * <h2>A delivery's states</h2>
 * A delivery is one event for one subscription. Where it stands is its row's {@code status}
 * ({@link io.hookgate.engine.DeliveryStatus}) together with {@code next_attempt_at} and
 * {@code lease_owner}:
 * <table>
 *   <caption>States</caption>
 *   <tr><th>state</th><th>row</th><th>meaning</th></tr>
 *   <tr><td>unrecorded</td><td>no row</td><td>sent from ingest straight to a dispatcher; its only durable
 *   record is its place in its event's fan-out ({@code events.fanout}), tracked by the ingesting node's
 *   ledger</td></tr>
 *   <tr><td>due</td><td>pending or retrying, {@code next_attempt_at <= now}, no lease owner</td><td>waiting
 *   for any node's scheduler</td></tr>
 *   <tr><td>leased</td><td>pending or retrying, {@code next_attempt_at} up to a lease ahead,
 *   {@code lease_owner} = a node</td><td>a job on that node; {@code next_attempt_at} is also the end of the
 *   lease</td></tr>
 *   <tr><td>scheduled</td><td>retrying, {@code next_attempt_at} = the next retry</td><td>failed, waiting
 *   for its next attempt (the retry schedule, with jitter and the endpoint's {@code Retry-After})</td></tr>
 *   <tr><td>parked</td><td>pending or retrying, {@code next_attempt_at = 'infinity'}</td><td>its endpoint's
 *   breaker is open: no due time, no attempt spent, not claimed</td></tr>
 *   <tr><td>held</td><td>held</td><td>its subscription is paused</td></tr>
 *   <tr><td>success, failed</td><td>final</td><td>done: an attempt succeeded; or every attempt failed, the
 *   endpoint answered 410, its address is refused, or its subscription is disabled or deleted</td></tr>
 * </table>
 *
 * <h2>Transitions, and who makes them</h2>
 * <ul>
 *   <li><b>Ingest</b> ({@code io.hookgate.ingest.IngestWriter}) writes the event and, for each matching
 *   subscription, either puts the delivery in the fan-out and sends its job now (<i>unrecorded</i>), or,
 *   when it will not be attempted now, writes its row: <i>held</i> (paused), <i>failed</i> (disabled),
 *   <i>due</i> (this node has no in-flight slot free).</li>
 *   <li>The <b>dispatcher</b> decides per job: subscription paused → hold; disabled or deleted → skip
 *   (failed); breaker open → park; endpoint over its rate → postpone; endpoint at its in-flight cap →
 *   wait on the node a little, then postpone; this node holds no share of the endpoint's cap → hand the
 *   job to a member that does; else attempt it. After the attempt: 2xx → success; 410 → failed (and the
 *   subscription disabled); refused address → failed at once; other failures → scheduled, or failed when
 *   the schedule is used up.</li>
 *   <li>The <b>result writer</b> records all of these. A delivery's row is written once, with its first
 *   outcome or move (the <i>write-once row</i>: an unrecorded delivery gets its row only then); after that
 *   an outcome only advances a row whose attempt count still matches (a delivery re-sent after its lease
 *   ended is not counted twice), and a move never touches a final or held row. Moves clear the lease.</li>
 *   <li>The <b>scheduler</b> (on every node, any number at once: {@code FOR UPDATE SKIP LOCKED}) claims
 *   <i>due</i> deliveries, and expired leases, which are due by definition, as <i>leased</i> to its node,
 *   no more than the node has room for; while a breaker has just closed it takes turns claiming that
 *   endpoint's <i>parked</i> deliveries.</li>
 *   <li><b>Parked deliveries</b> ({@link io.hookgate.engine.ParkedDeliveries}) come back when the breaker
 *   closes on a node (that node's scheduler claims them as it has room), one at a time as the half-open
 *   probe (at most one per reset period per endpoint), or through the sweep every second, which releases
 *   (makes due) those whose breaker is closed on the sweeping node or whose subscription is no longer
 *   active (the dispatcher then holds or skips them).</li>
 *   <li>The <b>partner API</b> resumes a subscription (its <i>held</i> deliveries become due), retries a
 *   final or scheduled delivery (leased to the asking node, attempted now), recovers the failed ones of a
 *   window (due now), and clears final ones.</li>
 * </ul>
 *
 * <h2>When its endpoint's breaker opens</h2>
 * A dispatcher that finds the endpoint's breaker open parks the delivery: no due time, the lease cleared,
 * no attempt spent. The breaker opened on one node is opened on every node (event bus). It is released by
 * whichever node's breaker closes: the half-open probe (released by a sweep, or a new delivery that
 * happens along) succeeds, that node closes its breaker and tells the others, and each node whose breaker
 * closes claims the endpoint's parked deliveries; any node's sweep also releases them once its breaker is
 * closed (after a restart, say).
 *
 * <h2>When a node dies</h2>
 * Delivery is at-least-once; nothing acknowledged is lost. A dead node's <i>leased</i> deliveries become
 * due when their leases end, and at once when the cluster reports the member gone (or, for a single node,
 * when it starts again after a crash): {@link io.hookgate.engine.DeliveryStore#releaseLeasesOf} and its
 * counterpart for nodes that are not live. Its <i>unrecorded</i> deliveries are recovered by the ledger:
 * every node keeps its low water in {@code ingest_nodes} (every event it received before then has all its
 * rows); a node that stopped refreshing it for a lease, or that the cluster reports gone, is dead, and any
 * node writes the missing rows, due now, from the fan-out of the dead node's events since its low water. A
 * delivery still without a row a lease after its event arrived gets its row from its own node. A node
 * that stops gracefully first stops being a target for jobs (and hands back, due, those already on their
 * way), lets its attempts finish and their results be written, releases its leases and writes the rows of
 * what it still has unrecorded.
 *
 * <h2>Threading</h2>
 * A dispatcher's state is confined to its event loop. The result writer, the fan-out ledger and the
 * parked-deliveries tracker are shared by the node's verticles and thread-safe (the writer's queue under
 * its lock; the ledger and the tracker on concurrent maps). The stores hold no state: each call says
 * where its statement runs (a pool, or a transaction's connection).
 */
package io.hookgate.engine;
