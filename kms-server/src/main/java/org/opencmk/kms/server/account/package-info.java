/**
 * Accounts and their API credentials. Every key and alias belongs to an account; a credential
 * (SecretId/SecretKey) authenticates requests as its account. SecretKeys rest only wrapped by the
 * root key. On first start the default account and its first, administrative, credential are
 * created ({@link org.opencmk.kms.server.account.Bootstrap}).
 */
package org.opencmk.kms.server.account;
