package io.exporthub.api;

import java.util.Optional;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/**
 * One e-mail address, as a user gives it: {@code a@b.test} and nothing else. A list
 * ({@code a@b.test,other@c.test}), a group or a display name would make one setting mail several
 * people, so every place that takes or sends to an address goes through here.
 */
public final class EmailAddress {

    private EmailAddress() {
    }

    /** The address, when the text is exactly one bare address (strict RFC 822 syntax). */
    public static Optional<String> single(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            InternetAddress[] parsed = InternetAddress.parseHeader(text, true);
            if (parsed.length != 1 || parsed[0].isGroup() || parsed[0].getPersonal() != null) {
                return Optional.empty();
            }
            InternetAddress address = parsed[0];
            address.validate();
            return address.getAddress().equals(text.trim()) ? Optional.of(address.getAddress()) : Optional.empty();
        } catch (AddressException e) {
            return Optional.empty();
        }
    }
}
