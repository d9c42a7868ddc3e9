/**
 * The key view: every live CMK and alias of every account, in memory, fed by events. It answers
 * the management queries (DescribeKey, ListKeys, ListAliases …) and gives the cryptographic path
 * a key's state and wrapped material without loading an aggregate or touching the database.
 *
 * <p>Each account's live keys are indexed in the order of creation, and by state, origin and
 * usage with counts, so a listing costs its page, not the account ({@link
 * org.opencmk.kms.query.keyview.KeyView#keys}). A start restores the view from a snapshot ({@link
 * org.opencmk.kms.query.keyview.KeyView#writeSnapshot}, in the layout of {@code SnapshotFormat})
 * and the events after it, or rebuilds it from every event. It is then fed twice: by a
 * subscribing feed after the local unit of work commits (so a change made on this node is
 * honoured at once), and by a tracking feed that also carries other nodes' events. Each aggregate's sequence numbers make the
 * double feed idempotent; a gap (an event from another node arriving before one it follows) is
 * closed by reading that aggregate's history from the event store.
 *
 * <p>It can be rebuilt while it answers (the administrative RebuildProjections): a detached copy
 * is filled from the event store without running the view's hooks, aligned with the live view
 * aggregate by aggregate, compared ({@link org.opencmk.kms.query.keyview.ViewComparison}) and
 * installed in one step.
 */
package org.opencmk.kms.query.keyview;
