-- Quality component C5 (cuidado da pessoa com hipertensão, Portaria GM/MS 3.493/2024): one row
-- per person with hypertension diagnosed by a médico/enfermeiro (CIAP K86, K87; the 26 CID
-- codes of Previne), with the good practices done and the score 0-100. See
-- macros/indicadores/boas_praticas_condicao_cronica.sql.
{{ boas_praticas_condicao_cronica(
    codigos='hipertensao_c5',
    pesos={'A': 25, 'B': 25, 'C': 25, 'D': 25}
) }}
