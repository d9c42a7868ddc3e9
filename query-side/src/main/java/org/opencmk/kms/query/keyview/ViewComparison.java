package org.opencmk.kms.query.keyview;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A rebuilt key view compared with the live one, once both stand at the same sequence number of
 * every aggregate (see {@link KeyView#takeOver}).
 *
 * <p>Equal means: the same key ids, and for each the same {@link KeyRecord}, deleted ones
 * included, by the record's own equality: every component equal, its versions in the same
 * order, each {@link KeyVersion} equal component by component (wrapped material and public key
 * by their bytes, as those types define equality); the same keys indexed under each account; and
 * per account the same alias names, each with an equal {@link AliasRecord} (the key it names,
 * its creation time and its order). A difference is described by the names of the components
 * that differ, never their values: a record's values include wrapped key material.
 *
 * @param keys the rebuilt view's keys that are not deleted
 * @param deletedKeys the rebuilt view's deleted keys (kept so that a late event of theirs is recognised)
 * @param aliases the rebuilt view's aliases, of every account
 * @param differenceCount how many keys, account key indexes and aliases differ
 * @param differences the first {@value #LISTED} of them, described
 */
public record ViewComparison(long keys, long deletedKeys, long aliases, long differenceCount, List<String> differences) {

    /** How many differences are described; the rest are only counted. */
    public static final int LISTED = 20;

    public ViewComparison {
        differences = List.copyOf(differences);
    }

    public boolean equal() {
        return differenceCount == 0;
    }

    /** What differs between the live and the rebuilt record of one key or alias, or null when they are equal. */
    static String difference(Record live, Record rebuilt) {
        if (Objects.equals(live, rebuilt)) {
            return null;
        }
        if (live == null) {
            return "only in the rebuilt view";
        }
        if (rebuilt == null) {
            return "only in the live view";
        }
        List<String> components = new ArrayList<>();
        for (RecordComponent component : live.getClass().getRecordComponents()) {
            if (!Objects.equals(value(component, live), value(component, rebuilt))) {
                components.add(component.getName());
            }
        }
        return String.join(", ", components) + (components.size() == 1 ? " differs" : " differ");
    }

    private static Object value(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component.getName() + " of a " + record.getClass().getSimpleName(), e);
        }
    }
}
