# expect: Violation Arm-intervention-of-study which its study does not list
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>
PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

INSERT DATA { GRAPH id:graph\/NCT01234567 { t:arm\/1 kg:usesIntervention id:trial\/NCT07654321\/intervention\/1 . id:trial\/NCT07654321\/intervention\/1 a kg:Intervention ; rdfs:label "Drug Y" ; kg:position 1 ; kg:interventionType kgv:intervention-type\/DRUG . id:trial\/NCT07654321 kg:intervention id:trial\/NCT07654321\/intervention\/1 } }
