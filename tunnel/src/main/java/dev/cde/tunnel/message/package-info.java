/**
 * JSON bodies of control frames (HELLO, OPEN, EXIT, REQUEST, failures) and their encoding.
 * Plain records; no behaviour beyond (de)serialisation.
 */
package dev.cde.tunnel.message;
