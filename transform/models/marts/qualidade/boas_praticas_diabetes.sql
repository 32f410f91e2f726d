-- Quality component C4 (cuidado da pessoa com diabetes, Portaria GM/MS 3.493/2024): one row
-- per person with diabetes diagnosed by a médico/enfermeiro (CIAP T89, T90; CID E10, E11, E14
-- and subcodes), with the good practices done and the score 0-100. See
-- macros/indicadores/boas_praticas_condicao_cronica.sql.
{{ boas_praticas_condicao_cronica(
    codigos='diabetes_c4',
    pesos={'A': 20, 'B': 15, 'C': 15, 'D': 20, 'E': 15, 'F': 15}
) }}
