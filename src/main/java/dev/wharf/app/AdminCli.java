package dev.wharf.app;

import dev.wharf.auth.IdentityException;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Page;
import dev.wharf.auth.User;
import dev.wharf.config.ConfigException;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.meta.Database;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Administration from the box itself, against the node's own database:
 * <pre>
 *   wharf user create NAME --email E [--password P | --password -] [--admin]
 *   wharf user passwd NAME [--password P | --password -]
 *   wharf user list
 *   wharf org create NAME --owner USER
 *   wharf org member ORG USER --role owner|editor|member
 * </pre>
 * A password of "-" (or none) is read from standard input, so it stays out of shell history and process lists.
 * Any other {@code --flag} is a setting (e.g. {@code --data-dir}, {@code --db-url}), as for {@code serve}.
 */
final class AdminCli {
    private static final List<String> OWN_FLAGS = List.of("--email", "--password", "--owner", "--role");

    private final PrintStream out;

    AdminCli(PrintStream out) {
        this.out = out;
    }

    /** @return the process exit code */
    int run(String group, List<String> args) {
        List<String> words = new ArrayList<>();
        Map<String, String> own = new HashMap<>();
        List<String> settings = new ArrayList<>();
        boolean admin = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--admin")) {
                admin = true;
            } else if (OWN_FLAGS.contains(a)) {
                if (i + 1 >= args.size()) throw new ConfigException("flag " + a + " needs a value");
                own.put(a, args.get(++i));
            } else if (a.startsWith("--")) {
                settings.add(a);
                if (!a.contains("=") && i + 1 < args.size()) settings.add(args.get(++i));
            } else {
                words.add(a);
            }
        }
        WharfConfig config = ConfigLoader.load(settings, System.getenv());
        Logging.setLevel("warn");
        try (Database database = Database.open(config.db().url(), blankToNull(config.db().user()),
                blankToNull(config.db().password()), 2, blankToNull(config.db().schema()))) {
            Identity identity = Identity.create(config, database, Clock.systemUTC());
            return dispatch(identity, group, words, own, admin);
        } catch (IdentityException e) {
            System.err.println("wharf: " + e.getMessage());
            return 1;
        }
    }

    private int dispatch(Identity id, String group, List<String> w, Map<String, String> own, boolean admin) {
        String action = w.isEmpty() ? "" : w.get(0);
        switch (group + " " + action) {
            case "user create" -> {
                String name = arg(w, 1, "user name");
                String email = own.get("--email");
                if (email == null) throw new ConfigException("user create needs --email");
                User u = id.accounts().createUser(name, email, password(own), admin);
                out.println("created user " + u.username() + (u.admin() ? " (admin)" : ""));
            }
            case "user passwd" -> {
                User u = id.accounts().findUser(arg(w, 1, "user name"))
                        .orElseThrow(() -> new ConfigException("no such user " + w.get(1)));
                id.accounts().resetPassword(u.id(), password(own));
                out.println("password changed for " + u.username());
            }
            case "user list" -> {
                for (int page = 1; ; page++) {
                    Page<User> p = id.accounts().listUsers(page, 100);
                    p.results().forEach(u -> out.println(u.username() + "\t" + u.email() + (u.admin() ? "\tadmin" : "")
                            + (u.totpEnabled() ? "\t2fa" : "")));
                    if ((long) page * 100 >= p.count()) break;
                }
            }
            case "org create" -> {
                String owner = own.get("--owner");
                if (owner == null) throw new ConfigException("org create needs --owner USER");
                User u = id.accounts().findUser(owner).orElseThrow(() -> new ConfigException("no such user " + owner));
                out.println("created organization "
                        + id.accounts().organizations().createOrganization(arg(w, 1, "org name"), u.id()).name());
            }
            case "org member" -> {
                String role = own.getOrDefault("--role", "member");
                id.accounts().organizations()
                        .setMember(arg(w, 1, "org name"), arg(w, 2, "user name"), OrgRole.parse(role));
                out.println(w.get(2) + " is " + role + " of " + w.get(1));
            }
            default -> {
                System.err.println("unknown command: " + group + " " + action + " (see wharf help)");
                return 2;
            }
        }
        return 0;
    }

    private static String arg(List<String> words, int index, String what) {
        if (words.size() <= index) throw new ConfigException("missing " + what);
        return words.get(index);
    }

    private static String password(Map<String, String> own) {
        String p = own.get("--password");
        if (p != null && !p.equals("-")) return p;
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) throw new ConfigException("no password given on standard input");
            return line;
        } catch (IOException e) {
            throw new ConfigException("cannot read the password from standard input");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
