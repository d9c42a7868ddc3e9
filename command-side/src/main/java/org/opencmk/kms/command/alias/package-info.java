/**
 * Aliases: one {@link org.opencmk.kms.command.alias.AliasRegistry} aggregate per account keeps
 * them unique within the account (CTyun guide 3.2.4); many aliases may name one CMK.
 */
package org.opencmk.kms.command.alias;
