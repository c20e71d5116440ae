# expect: Violation OrganizationMention-class 'org-class' code list
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>
PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

DELETE DATA { GRAPH id:graph\/NCT01234567 { t:sponsor\/2 kg:organizationClass kgv:org-class\/OTHER } } ; INSERT DATA { GRAPH id:graph\/NCT01234567 { t:sponsor\/2 kg:organizationClass kgv:org-class\/UNIVERSITY } }
