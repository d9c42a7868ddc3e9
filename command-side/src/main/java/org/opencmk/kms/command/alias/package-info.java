/**
 * Aliases: one {@link org.opencmk.kms.command.alias.AliasRegistry} aggregate per account keeps
 * them unique within the account (CTyun guide 3.2.4); many aliases may name one CMK. UpdateAlias
 * has two meanings, decided by the registry: re-point an alias that exists (CTyun), or rename the
 * only alias of a key to a new name (Tencent), recorded as one {@code AliasRenamed} event.
 * The registry is snapshotted (kms-server declares the trigger), so loading it reads the newest
 * snapshot and the few events after it, never an account's whole alias history.
 */
package org.opencmk.kms.command.alias;
