"""Data breach response (Attachment 2; Civil Code 1798.29, which counts ALPR data as personal)."""
