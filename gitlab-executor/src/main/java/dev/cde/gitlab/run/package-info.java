/**
 * The run stage: a script shipped to the job's instance through an exec channel's stdin and run there,
 * streamed, stopped on cancel. Never creates or ends sessions.
 */
package dev.cde.gitlab.run;
