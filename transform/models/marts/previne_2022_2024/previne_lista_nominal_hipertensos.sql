-- Lista nominal of people with hypertension (Previne Brasil indicator 6): see
-- macros/indicadores/lista_nominal_condicao_cronica.sql for the rule. Blood pressure: SIGTAP
-- 0301100039 or ABPG033 performed (tb_fat_proced_atend_proced) by a médico, enfermeiro or
-- técnico/auxiliar de enfermagem.
{{ lista_nominal_condicao_cronica(
    condicao='hipertensao',
    flag_cadastro='is_hipertensao_arterial',
    procedimento='afericao_pa',
    modos=['realizado'],
    categorias=['medico', 'enfermeiro', 'tecnico_auxiliar_enfermagem'],
    coluna_procedimento='dt_ultima_afericao_pa',
    nome='hipertensao'
) }}
