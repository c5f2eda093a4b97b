"""The weekly digest's rendering: charts, email-safe HTML and text in the report's language,
the MIME body and the archive. The week itself is run by monitor.weekly."""
