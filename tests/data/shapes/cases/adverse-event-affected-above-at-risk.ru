# expect: Violation AdverseEventCount-affected-within-at-risk More participants affected (25) than at risk (20)
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>
PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

DELETE DATA { GRAPH id:graph\/NCT01234567 { t:adverse-event\/1\/count\/1 kg:affected 2 } } ; INSERT DATA { GRAPH id:graph\/NCT01234567 { t:adverse-event\/1\/count\/1 kg:affected 25 } }
