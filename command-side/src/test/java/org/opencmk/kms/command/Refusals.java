package org.opencmk.kms.command;

import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

/** Matches a refusal by its error code, never by its message (STYLE "Habits to avoid"). */
public final class Refusals {

    private Refusals() {
    }

    public static Matcher<KmsException> refusedWith(KmsError error) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(KmsException refusal) {
                return refusal.error() == error;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a KmsException with error ").appendValue(error);
            }

            @Override
            protected void describeMismatchSafely(KmsException refusal, Description description) {
                description.appendText("was refused with ").appendValue(refusal.error())
                        .appendText(": ").appendText(refusal.getMessage());
            }
        };
    }
}
