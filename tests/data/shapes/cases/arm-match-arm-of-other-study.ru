# expect: Violation ArmMatch-arm-of-study which its study does not list
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>
PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

DELETE DATA { GRAPH id:graph\/NCT01234567 { t:group\/1\/arm-match kg:matchedArm t:arm\/1 } } ; INSERT DATA { GRAPH id:graph\/NCT01234567 { t:group\/1\/arm-match kg:matchedArm id:trial\/NCT07654321\/arm\/1 . id:trial\/NCT07654321\/arm\/1 a kg:Arm ; rdfs:label "Y" ; kg:position 1 . id:trial\/NCT07654321 kg:arm id:trial\/NCT07654321\/arm\/1 } }
