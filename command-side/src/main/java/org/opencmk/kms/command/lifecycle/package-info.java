/**
 * A CMK's life: creation, description, enabling and disabling, and deletion through a pending
 * window whose end is a persistent deadline owned by {@link org.opencmk.kms.command.lifecycle.KeyDeletionSaga}.
 */
package org.opencmk.kms.command.lifecycle;
