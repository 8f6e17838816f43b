"""The agency registry: who owns cameras and people, and what sharing rules need to know of
each (kind, state, federal or not, ORI). Policy G.4; Civil Code 1798.90.55(b)."""

from plateward.agency.registry import Agency, agency_by_code, agency_id_of, list_agencies

__all__ = ["Agency", "agency_by_code", "agency_id_of", "list_agencies"]
