# expect: Violation StatisticalAnalysis-groups-of-its-outcome which its outcome result does not report
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>
PREFIX kgv: <https://w3id.org/kg-builder/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

INSERT DATA { GRAPH id:graph\/NCT01234567 { id:trial\/NCT01234567 kg:resultGroup t:group\/3 . t:group\/3 a kg:ResultGroup ; rdfs:label "Cohort B" ; kg:position 3 . t:result\/1\/analysis\/1 kg:comparesGroup t:group\/3 } }
