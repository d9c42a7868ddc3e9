package org.opencmk.kms.server.protocol;

import java.util.List;

/**
 * The actions of one capability (lifecycle, aliases, cryptography, accounts, …), each in its own
 * file with its request and response records. A new capability adds one more implementation.
 */
public interface ActionSet {

    List<Action<?>> actions();
}
