package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/**
 * The key's only alias now has another name (Tencent's UpdateAlias: a Tencent key has at most
 * one alias, and UpdateAlias names it anew). The previous name no longer exists and is free for
 * reuse; the alias keeps its place and creation time.
 */
@Revision("1")
public record AliasRenamed(AccountId account, AliasName previousAlias, AliasName alias, KeyId keyId) {
}
