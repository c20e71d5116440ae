"""Attack suites: outbound-request bypasses, bad IRIs, header edge cases, writes without the token."""
