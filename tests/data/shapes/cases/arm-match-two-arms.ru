# expect: Violation ArmMatch-one-arm not also
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX id: <https://w3id.org/kg-builder/id/>
PREFIX t: <https://w3id.org/kg-builder/id/trial/NCT01234567/>

INSERT DATA { GRAPH id:graph\/NCT01234567 { id:trial\/NCT01234567 kg:arm t:arm\/2 . t:arm\/2 a kg:Arm ; <http://www.w3.org/2000/01/rdf-schema#label> "Placebo" ; kg:position 2 . t:group\/1\/arm-match kg:withinArm t:arm\/2 } }
