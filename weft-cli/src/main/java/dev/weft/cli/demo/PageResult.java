package dev.weft.cli.demo;

/**
 * What one product page load showed: which reviews version served it, or why it failed.
 *
 * @param reviewsVersion v1/v2/v3, or null when the page or its reviews call failed
 * @param error what failed, or null
 */
record PageResult(String reviewsVersion, String error) {
    boolean ok() {
        return error == null;
    }
}
