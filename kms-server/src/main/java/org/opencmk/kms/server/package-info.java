/**
 * The deployable server. Sub-packages: {@code protocol} (the Tencent Cloud API 3.0 adapter: the
 * only code that knows the wire), {@code lifecycle}, {@code alias}, {@code usage} and
 * {@code account} (protocol-neutral application services), {@code throttle}, {@code audit},
 * {@code config} (database, keystore and Axon wiring).
 */
package org.opencmk.kms.server;
