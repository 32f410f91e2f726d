-- Lista nominal of people with diabetes (Previne Brasil indicator 7): see
-- macros/indicadores/lista_nominal_condicao_cronica.sql for the rule. HbA1c: SIGTAP 0202010503
-- or ABEX008 requested in an individual encounter by a médico or enfermeiro (an HbA1c only
-- evaluated does not count for Previne; it does for the quality component C4).
{{ lista_nominal_condicao_cronica(
    condicao='diabetes',
    flag_cadastro='is_diabete',
    procedimento='hemoglobina_glicada',
    modos=['solicitado'],
    categorias=['medico', 'enfermeiro'],
    coluna_procedimento='dt_ultima_solicitacao_hba1c',
    nome='diabetes'
) }}
