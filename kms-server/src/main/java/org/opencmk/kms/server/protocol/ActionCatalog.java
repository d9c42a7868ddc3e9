package org.opencmk.kms.server.protocol;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Every action of every {@link ActionSet}, by name. */
@Component
public class ActionCatalog {

    private final Map<String, Action<?>> actions = new HashMap<>();

    public ActionCatalog(List<ActionSet> sets) {
        for (ActionSet set : sets) {
            for (Action<?> action : set.actions()) {
                if (actions.putIfAbsent(action.name(), action) != null) {
                    throw new IllegalStateException("the action " + action.name() + " is defined twice");
                }
            }
        }
    }

    /** Every action. */
    public java.util.Collection<Action<?>> all() {
        return java.util.Collections.unmodifiableCollection(actions.values());
    }

    /** The action of this name, or null. */
    public Action<?> find(String name) {
        return name == null ? null : actions.get(name);
    }
}
